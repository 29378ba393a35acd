"""Alembic migrations, shipped inside the package so an installed `cliffhanger db upgrade` works."""
