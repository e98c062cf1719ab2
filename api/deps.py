"""FastAPI dependencies: the product (settings, engine, case service) built once at start-up, handed to routes.

They are `async def` on purpose: they only read app state, and FastAPI runs a plain `def` dependency in
the threadpool, one thread hop per dependency per request."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from core.settings import Settings
from graph.service import CaseService
from product import Product


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> sa.Engine:
    return request.app.state.engine


async def get_product(request: Request) -> Product:
    return request.app.state.product


async def get_cases(request: Request) -> CaseService:
    return request.app.state.product.cases


ProductDep = Annotated[Product, Depends(get_product)]
CasesDep = Annotated[CaseService, Depends(get_cases)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[sa.Engine, Depends(get_engine)]
