"""The planning routers, one module per area, assembled into one router for /api/v1."""

from ninja import Router

from . import tasks

router = Router()
router.add_router("", tasks.router)
