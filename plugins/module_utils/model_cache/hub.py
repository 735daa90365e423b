# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve a model revision to a commit on the Hub (or a mirror) with huggingface_hub, on the controller."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from typing import Any, Dict, List, Optional

from ansible_collections.gpuops.llm_inference.plugins.module_utils.model_cache.errors import ModelCacheError

try:
    from huggingface_hub import HfApi

    try:
        from huggingface_hub.errors import (
            GatedRepoError,
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    except ImportError:  # huggingface_hub < 0.24
        from huggingface_hub.utils import (  # type: ignore[no-redef]
            GatedRepoError,
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )
    HAS_HF = True
except ImportError:
    HAS_HF = False

COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")


class HubResolver(object):
    """Answers "which commit is <model>@<revision>, is it gated, how big is it" through huggingface_hub."""

    def __init__(self, endpoint: str, token: Optional[str] = None) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.token = token

    def resolve(
        self,
        model: str,
        revision: str,
        allow_patterns: Optional[List[str]] = None,
        ignore_patterns: Optional[List[str]] = None,
    ) -> Dict[str, Any]:
        if not HAS_HF:
            raise ModelCacheError(
                "Failed to resolve %s@%s: huggingface_hub is not installed on the controller" % (model, revision)
            )
        from huggingface_hub.utils import filter_repo_objects

        what = "%s@%s on %s" % (model, revision, self.endpoint)
        api = HfApi(endpoint=self.endpoint, token=self.token or False)
        try:
            info = api.model_info(model, revision=revision)
            tree = [
                f
                for f in api.list_repo_tree(model, revision=info.sha, recursive=True)
                if f.__class__.__name__ == "RepoFile"
            ]
        except GatedRepoError as exc:
            raise ModelCacheError(
                "Failed to resolve %s: the model is gated and the token is not allowed (%s)" % (what, _first_line(exc))
            ) from exc
        except RevisionNotFoundError as exc:
            raise ModelCacheError("Failed to resolve %s: unknown revision (%s)" % (what, _first_line(exc))) from exc
        except RepositoryNotFoundError as exc:
            raise ModelCacheError(
                "Failed to resolve %s: unknown repository, or private and the token is not "
                "allowed (%s)" % (what, _first_line(exc))
            ) from exc
        except HfHubHTTPError as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            reason = "the Hub refused the token (401)" if status == 401 else _first_line(exc)
            raise ModelCacheError("Failed to resolve %s: %s" % (what, reason)) from exc
        except Exception as exc:  # network errors come from httpx or requests depending on the version
            raise ModelCacheError("Failed to resolve %s: %s" % (what, exc)) from exc
        files = list(
            filter_repo_objects(
                tree,
                allow_patterns=allow_patterns or None,
                ignore_patterns=ignore_patterns or None,
                key=lambda f: f.path,
            )
        )
        return {
            "commit": info.sha,
            "gated": bool(getattr(info, "gated", False)),
            "files": len(files),
            "bytes": sum(f.size for f in files),
        }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else exc.__class__.__name__
