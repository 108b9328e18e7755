from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from api.deps import ReadKey, ServicesDep, WriteKey
from api.paging import Offset, VersionNumber
from api.routers.responses import BAD_INPUT, NOT_FOUND
from api.schemas import (
    DatasetContentOut,
    DatasetIn,
    DatasetOut,
    DatasetVersionIn,
    DatasetVersionOut,
)
from api.services import datasets as ds_service
from api.services.scenario import check_no_server_files
from api.views import dataset_out, version_out
from planner.models import Dataset

router = APIRouter(prefix="/datasets", tags=["data sets"])


@router.post("", status_code=201, responses=BAD_INPUT)
def create_dataset(body: DatasetIn, services: ServicesDep, key: WriteKey) -> DatasetOut:
    dataset = ds_service.from_json(body.managers, body.accounts, body.policy)
    return _create(services, body.name, dataset, key.name)


@router.post("/upload", status_code=201, responses=BAD_INPUT)
def upload_dataset(
    services: ServicesDep,
    key: WriteKey,
    name: Annotated[str, Form(min_length=1, max_length=200)],
    accounts: Annotated[UploadFile, File(description="accounts.csv or .xlsx")],
    managers: Annotated[UploadFile, File(description="managers.csv or .xlsx")],
    policy: Annotated[UploadFile | None, File(description="policy.yaml")] = None,
) -> DatasetOut:
    dataset = ds_service.from_files(_read(accounts), _read(managers), _read(policy) if policy else None)
    return _create(services, name, dataset, key.name)


@router.get("")
def list_datasets(
    services: ServicesDep,
    _: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[DatasetOut]:
    rows = services.store.datasets(limit, offset)
    latest = services.store.latest_versions([r.id for r in rows])
    return [dataset_out(r, latest.get(r.id, 0)) for r in rows]


@router.get("/{dataset_id}", responses=NOT_FOUND)
def get_dataset(dataset_id: str, services: ServicesDep, _: ReadKey) -> DatasetOut:
    row = services.store.dataset(dataset_id)
    if row is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    return dataset_out(row, services.store.latest_versions([dataset_id]).get(dataset_id, 0))


@router.get("/{dataset_id}/versions", responses=NOT_FOUND)
def list_versions(dataset_id: str, services: ServicesDep, _: ReadKey) -> list[DatasetVersionOut]:
    rows = services.store.versions(dataset_id)
    if not rows:
        raise LookupError(f"data set {dataset_id!r} not found")
    return [version_out(r) for r in rows]


@router.post("/{dataset_id}/versions", status_code=201, responses={**BAD_INPUT, **NOT_FOUND})
def add_version(
    dataset_id: str, body: DatasetVersionIn, services: ServicesDep, key: WriteKey
) -> DatasetVersionOut:
    if services.store.dataset(dataset_id) is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    dataset = ds_service.from_json(body.managers, body.accounts, body.policy)
    check_no_server_files(dataset.policy, "policy")
    services.store.new_version(
        dataset_id, ds_service.payload(dataset), "upload", key.name, ds_service.counts(dataset)
    )
    return version_out(services.store.version(dataset_id, None))  # type: ignore[arg-type]


@router.get("/{dataset_id}/versions/{version}", responses=NOT_FOUND)
def get_version(
    dataset_id: str, version: VersionNumber, services: ServicesDep, _: ReadKey
) -> DatasetContentOut:
    row = services.store.version(dataset_id, version)
    if row is None:
        raise LookupError(f"data set {dataset_id!r} has no version {version}")
    return DatasetContentOut(**version_out(row).model_dump(), data=row.payload)


def _create(services: ServicesDep, name: str, dataset: Dataset, actor: str) -> DatasetOut:
    check_no_server_files(dataset.policy, "policy")
    dataset_id = services.store.create_dataset(
        name, ds_service.payload(dataset), actor, ds_service.counts(dataset)
    )
    row = services.store.dataset(dataset_id)
    assert row is not None
    return dataset_out(row, 1)


def _read(upload: UploadFile) -> tuple[str, bytes]:
    return upload.filename or "", upload.file.read()
