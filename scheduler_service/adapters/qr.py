"""QR codes of feed URLs, as PNG data URIs the front desk can show a patient to scan."""

from __future__ import annotations

import segno


def png_data_uri(text: str) -> str:
    return segno.make(text, error="m").png_data_uri(scale=6, border=4)
