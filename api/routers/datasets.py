from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from api.auth import ApiKey
from api.db import DatasetRow
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
    return _create(services, body.name, dataset, key)


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
    return _create(services, name, dataset, key)


@router.get("")
def list_datasets(
    services: ServicesDep,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[DatasetOut]:
    rows = services.store.datasets(limit, offset, workspace=key.workspace)
    latest = services.store.latest_versions([r.id for r in rows])
    return [dataset_out(r, latest.get(r.id, 0)) for r in rows]


@router.get("/{dataset_id}", responses=NOT_FOUND)
def get_dataset(dataset_id: str, services: ServicesDep, key: ReadKey) -> DatasetOut:
    row = _dataset(services, dataset_id, key)
    return dataset_out(row, services.store.latest_versions([dataset_id]).get(dataset_id, 0))


@router.get("/{dataset_id}/versions", responses=NOT_FOUND)
def list_versions(dataset_id: str, services: ServicesDep, key: ReadKey) -> list[DatasetVersionOut]:
    _dataset(services, dataset_id, key)
    rows = services.store.versions(dataset_id)
    return [version_out(r) for r in rows]


@router.post("/{dataset_id}/versions", status_code=201, responses={**BAD_INPUT, **NOT_FOUND})
def add_version(
    dataset_id: str, body: DatasetVersionIn, services: ServicesDep, key: WriteKey
) -> DatasetVersionOut:
    _dataset(services, dataset_id, key)
    dataset = ds_service.from_json(body.managers, body.accounts, body.policy)
    check_no_server_files(dataset.policy, "policy")
    services.store.new_version(
        dataset_id, ds_service.payload(dataset), "upload", key.name, ds_service.counts(dataset)
    )
    return version_out(services.store.version(dataset_id, None))  # type: ignore[arg-type]


@router.get("/{dataset_id}/versions/{version}", responses=NOT_FOUND)
def get_version(
    dataset_id: str, version: VersionNumber, services: ServicesDep, key: ReadKey
) -> DatasetContentOut:
    _dataset(services, dataset_id, key)
    row = services.store.version(dataset_id, version)
    if row is None:
        raise LookupError(f"data set {dataset_id!r} has no version {version}")
    return DatasetContentOut(**version_out(row).model_dump(), data=row.payload)


def _create(services: ServicesDep, name: str, dataset: Dataset, key: ApiKey) -> DatasetOut:
    check_no_server_files(dataset.policy, "policy")
    dataset_id = services.store.create_dataset(
        name, ds_service.payload(dataset), key.name, ds_service.counts(dataset), workspace=key.workspace
    )
    return dataset_out(_dataset(services, dataset_id, key), 1)


def _dataset(services: ServicesDep, dataset_id: str, key: ApiKey) -> DatasetRow:
    """The data set in the key's workspace; one of another workspace is not found, like no data set."""
    row = services.store.dataset(dataset_id, workspace=key.workspace)
    if row is None:
        raise LookupError(f"data set {dataset_id!r} not found")
    return row


def _read(upload: UploadFile) -> tuple[str, bytes]:
    return upload.filename or "", upload.file.read()
