"""A local Hugging Face Hub fake that the real huggingface_hub client downloads from (set HF_ENDPOINT)."""

from tests.harness.hf_fake.repo import Repo, RepoFile, git_blob_id, load_repo_dir
from tests.harness.hf_fake.server import HubServer, HubState

__all__ = ["HubServer", "HubState", "Repo", "RepoFile", "git_blob_id", "load_repo_dir"]
