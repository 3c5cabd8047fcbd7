"""Risk assessment bot for public-service quality control (Joint Order No. 102/57 of 4 May 2023)."""

__version__ = "0.1.0"
