"""Business rules between the handlers and the repositories: plain classes, no aiogram."""
