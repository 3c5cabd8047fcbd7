"""Limits the product keeps, in one place: the services enforce them and the texts quote them."""

# The Bot API lets a bot download files of at most 20 MB (getFile): evidence, tables to import, PDFs to verify.
BOT_DOWNLOAD_LIMIT_BYTES = 20 * 1024 * 1024
# Evidence files kept for one violated item of a check sheet.
EVIDENCE_PER_ITEM = 30
# Telegram's limit for a message's text; counted on the HTML the bot sends (a safe bound: tags count too).
MAX_MESSAGE_TEXT = 4096
