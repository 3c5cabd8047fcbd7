"""Presentation: callback data, keyboards and the screens of a draft, all texts from templates."""
