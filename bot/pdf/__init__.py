"""The check sheet of Annex 2 (тексеру парағы) as a PDF to print and sign."""

from bot.pdf.check_sheet import EvidenceImage, check_sheet_html, render_check_sheet

__all__ = ["EvidenceImage", "check_sheet_html", "render_check_sheet"]
