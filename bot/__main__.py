"""Entry point placeholder; replaced by the real start-up."""
