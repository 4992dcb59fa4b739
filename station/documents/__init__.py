"""From recognised pages to filed documents: case numbers, catalog, covers, names.

Everything here is a pure function of text, pixels and configuration: no scanner, no
network, no database. ``_caseno`` reads case numbers (案号); ``_catalog`` loads the
court's e-file catalog and ``_classify`` files a document under one of its items;
``_cover`` prints and reads cover sheets; ``_split`` cuts a batch into documents;
``_naming`` names the files; ``_cli`` offers the ``case`` and ``classify`` commands.
"""

from station.documents._caseno import (
    DEFAULT_COURT,
    CaseForm,
    CaseNumber,
    CaseType,
    find_case_numbers,
    page_case_conflict,
    parse_case_number,
)
from station.documents._catalog import (
    Catalog,
    CatalogItem,
    Node,
    Volume,
    default_catalog_path,
    load_catalog,
    parse_catalog,
)
from station.documents._classify import Basis, Classification, Classifier
from station.documents._cli import case_cli, classify_cli
from station.documents._cover import (
    CoverSheet,
    cover_sheet_image,
    rasterise_cover_pdf,
    read_cover_sheet,
    render_cover_sheet,
)
from station.documents._errors import CatalogError, CoverSheetError, SplitError
from station.documents._naming import NamedDocument, document_filename, name_documents
from station.documents._receipt import (
    Receipt,
    ReceiptDocument,
    receipt_lines,
    render_receipt,
)
from station.documents._split import (
    Document,
    PageRecord,
    Split,
    split_at,
    split_batch,
)

__all__ = [
    "DEFAULT_COURT",
    "Basis",
    "CaseForm",
    "CaseNumber",
    "CaseType",
    "Catalog",
    "CatalogError",
    "CatalogItem",
    "Classification",
    "Classifier",
    "CoverSheet",
    "CoverSheetError",
    "Document",
    "NamedDocument",
    "Node",
    "PageRecord",
    "Receipt",
    "ReceiptDocument",
    "Split",
    "SplitError",
    "Volume",
    "case_cli",
    "classify_cli",
    "cover_sheet_image",
    "default_catalog_path",
    "document_filename",
    "find_case_numbers",
    "load_catalog",
    "name_documents",
    "page_case_conflict",
    "parse_case_number",
    "parse_catalog",
    "rasterise_cover_pdf",
    "read_cover_sheet",
    "receipt_lines",
    "render_cover_sheet",
    "render_receipt",
    "split_at",
    "split_batch",
]
