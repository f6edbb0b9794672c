"""Entry points for the Reflex pages, one module per area of the console.

Each function opens one unit of work, calls services and returns DTOs, so page states never hold a
session, a query or an ORM row (ARCHITECTURE rule 2). They are synchronous: states call them with
`asyncio.to_thread` so a query never blocks the event loop.
"""
