"""HTML to PDF/A-3b with WeasyPrint.

WeasyPrint takes 0.7 s to import, so it is imported on the first render, not when the web process
or a worker that never renders starts. Its output is deterministic for the same HTML (the PDF's
/ID is derived from the content), which is what lets a lost document be rebuilt to the same hash.
"""

from __future__ import annotations

import logging
from typing import Any

# WeasyPrint reports every layout step at INFO: seven lines per invoice in a worker's log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def html_to_pdfa3(html: str, *, base_url: str | None = None) -> bytes:
    """A PDF/A-3b of `html`. The variant adds the sRGB output intent and the XMP `pdfaid:part=3`;
    the dates in the file come from the `dcterms.created`/`dcterms.modified` meta tags of `html`."""
    weasyprint: Any = _weasyprint()
    return bytes(weasyprint.HTML(string=html, base_url=base_url).write_pdf(pdf_variant="pdf/a-3b"))


def _weasyprint() -> Any:
    import weasyprint

    return weasyprint


def warm_up() -> None:
    """Import WeasyPrint and lay out one small page (fonts found, caches filled): a forking worker
    calls this once, so each job's work horse starts warm instead of paying ~1 s per job."""
    html_to_pdfa3("<p>Warm-up</p>")
