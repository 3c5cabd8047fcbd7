"""Tables in and out in one place: :mod:`reader` reads CSV and XLSX, :mod:`writer` writes XLSX."""
