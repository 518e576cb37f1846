"""The field's other shapes: the JSON-LD context, BatteryPass-Ready, Battery Pass 1.2, Catena-X, UNTP, AAS; convert."""
