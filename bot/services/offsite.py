"""The off-host copy of the backups: an S3-compatible bucket (AWS S3, MinIO, Yandex Object Storage, ...)
through the maintained MinIO client. Optional: configured by the BACKUP_S3_* settings (README).

The client is synchronous; callers run it in a thread (``asyncio.to_thread``).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from bot.config import S3Settings


class S3Target:
    def __init__(self, settings: S3Settings) -> None:
        from minio import Minio  # imported only when an off-host target is configured

        url = urlsplit(settings.endpoint)
        self.settings = settings
        self._client = Minio(
            url.netloc,
            access_key=settings.access_key,
            secret_key=settings.secret_key.get(),
            secure=url.scheme == "https",
            region=settings.region,
        )

    def describe(self) -> str:
        return f"s3 {self.settings.endpoint}/{self.settings.bucket}/{self.settings.prefix}"

    def upload(self, path: Path) -> str:
        """Put the file under the prefix with its own name; return the object name."""
        name = self.settings.prefix + path.name
        self._client.fput_object(self.settings.bucket, name, str(path), content_type="application/vnd.sqlite3")
        return name

    def names(self) -> list[str]:
        """Object names under the prefix, newest first (names carry a UTC timestamp)."""
        objects = self._client.list_objects(self.settings.bucket, prefix=self.settings.prefix, recursive=True)
        return sorted((o.object_name for o in objects if not o.is_dir), reverse=True)

    def download(self, name: str, target: Path) -> None:
        self._client.fget_object(self.settings.bucket, name, str(target))
