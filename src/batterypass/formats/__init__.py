"""The field's other shapes, read and written (JSON-LD context, converters, EPCIS input)."""
