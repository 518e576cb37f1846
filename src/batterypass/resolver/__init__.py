"""The resolver wing: the web service behind the QR code's link.

* :mod:`.store`: published credentials, tokens and the access audit, in SQLite or PostgreSQL.
* :mod:`.publishing`: which credentials are taken (audience views that verify against the
  resolver's trust store and hold no more than their audience may see).
* :mod:`.tokens`: issuer tokens to publish, audience tokens to read restricted views.
* :mod:`.links`: GS1 Digital Link paths, resource paths, the RFC 9264 linkset.
* :mod:`.app`: the ASGI application (Starlette); :mod:`.static_export`: the public part as
  files for any web server.

Starlette, uvicorn and Jinja2 come with the ``server`` extra; nothing here is imported by the
rest of the package.
"""
