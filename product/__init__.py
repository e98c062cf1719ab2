"""The composition root and the jobs: builds the product from Settings once; runs work as jobs.

Layer: between graph/ and api/ (may import graph, agent, rules, knowledge, core).
"""

from product.jobs import JobEngineDown, job
from product.root import Product, build_product

__all__ = ["JobEngineDown", "Product", "build_product", "job"]
