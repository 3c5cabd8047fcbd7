"""Offline sandbox: a strict local Telegram Bot API emulator and a recording session."""
