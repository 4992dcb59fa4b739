"""Software of the scanner station: capture, clean, recognise, buffer, publish.

The data's path through the package follows the tree: ``capture`` reads pages from a
scanner or a folder, ``preprocess`` straightens and trims them, ``ocr`` recognises their
text, ``queue`` keeps every batch, page and document in SQLite, and ``publish`` delivers
finished documents to the central register over MQTT.

Importing the package opens no device, socket or database: ``Station(config)`` does.
"""

from station._errors import StationError

__all__ = ["StationError", "__version__"]

__version__ = "0.1.0"
