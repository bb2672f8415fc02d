"""Authors (#15): the name as shown and the normalised form are stored in separate fields; an index
made before the field existed gets it in place from setup() (an additive mapping change)."""

import copy
import uuid

from index.storage import schema
from index.storage.mappings import SPECS
from index.storage.repository import Repository
from safewatch.records import PostRecord


def _record() -> PostRecord:
    return PostRecord(url="https://lemire.me/blog/2019/08/02/json/#comment-422230", source="blog", platform="blog",
                      kind="forum", text="We are working toward releasing version 0.2 on vcpkg.",
                      author="Daniel Lemire", author_name="Daniel  Lemire")


def test_name_as_shown_and_normalised_form_are_stored_apart(repo):
    record = _record()
    assert not repo.bulk_upsert_posts([{"id": record.post_id, **record.to_document()}]).errors
    stored = repo.get_post(record.post_id).source
    assert stored["author_name"] == "Daniel Lemire" and stored["author"] == "daniel lemire"


def test_an_index_made_before_author_name_gets_it_from_setup(es_client, config):
    repository = Repository(es_client, f"{config.index_prefix}-{uuid.uuid4().hex[:6]}")
    posts = next(spec for spec in SPECS if spec.name == "posts")
    body = schema._body(posts, repository, with_alias=True, lineage=schema._new_lineage(posts, repository))
    body = copy.deepcopy(body)
    del body["mappings"]["properties"]["author_name"]
    body["mappings"]["_meta"]["schema"] = "before-author-name"
    es_client.indices.create(index=posts.concrete(repository.prefix), **body)
    try:
        record = _record()
        rejected = repository.bulk_upsert_posts([{"id": record.post_id, **record.to_document()}])
        assert rejected.errors  # the mapping is strict: the new field needs the new mapping
        repository.setup()
        assert not repository.bulk_upsert_posts([{"id": record.post_id, **record.to_document()}]).errors
        assert repository.get_post(record.post_id).source["author_name"] == "Daniel Lemire"
    finally:
        repository.drop_all()
