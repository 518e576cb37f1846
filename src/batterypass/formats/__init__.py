"""The field's other shapes, read and written: the JSON-LD context, BatteryPass-Ready, Battery Pass
1.2, Catena-X, UNTP, AAS, convert; EPCIS input."""
