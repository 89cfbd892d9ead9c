"""tests/factories.py has one factory per mapped class, and each builds a valid row."""

from __future__ import annotations

import inspect

import pytest
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import inspect as sa_inspect

import hotline.models  # noqa: F401  (every domain's models)
from hotline.extensions import db
from tests import factories

FACTORIES = {
    f._meta.model: f
    for _, f in inspect.getmembers(factories, inspect.isclass)
    if issubclass(f, SQLAlchemyModelFactory) and not f._meta.abstract
}


def test_every_mapped_class_has_one_factory():
    mapped = {mapper.class_ for mapper in db.Model.registry.mappers}
    assert sorted(c.__name__ for c in mapped - FACTORIES.keys()) == []
    assert sorted(c.__name__ for c in FACTORIES.keys() - mapped) == []
    named = [name for name, f in vars(factories).items() if f in FACTORIES.values()]
    assert sorted(named) == sorted(f"{m.__name__}Factory" for m in mapped)


@pytest.mark.parametrize("factory", FACTORIES.values(), ids=lambda f: f.__name__)
def test_factory_flushes_a_valid_row(db, factory):
    first, second = factory(), factory()  # twice: no unique constraint collides
    assert factory._meta.sqlalchemy_session_persistence == "flush"  # flushed, never committed
    assert not db.new and not db.dirty  # nothing left pending: the rows are in the transaction
    model = factory._meta.model
    keys = [sa_inspect(row).identity for row in (first, second)]
    assert None not in keys and keys[0] != keys[1]
    db.expire_all()
    for key in keys:
        assert db.get(model, key) is not None  # the row is in the database (not committed)
