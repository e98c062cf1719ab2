"""FastAPI dependencies: the product (settings, engine, case service) built once at start-up, handed to routes."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from core.settings import Settings
from graph.service import CaseService
from product import Product


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> sa.Engine:
    return request.app.state.engine


def get_product(request: Request) -> Product:
    return request.app.state.product


def get_cases(request: Request) -> CaseService:
    return request.app.state.product.cases


ProductDep = Annotated[Product, Depends(get_product)]
CasesDep = Annotated[CaseService, Depends(get_cases)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[sa.Engine, Depends(get_engine)]
