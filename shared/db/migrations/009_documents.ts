import type { Knex } from "knex";

/**
 * Uploaded documents and their chunks with embeddings. Embeddings are plain `real[]` (pgvector is not
 * assumed to be installed); vectors are stored L2-normalised, so a dot product in SQL is the cosine.
 * `embedder` names what produced a document's vectors: search compares only vectors of the same
 * embedder. `job_id` is the processing job (no foreign key, as with every reference to jobs: see
 * 005_no_foreign_keys_to_jobs).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      filename text NOT NULL,
      content_type text NOT NULL,
      size_bytes bigint NOT NULL,
      stored_path text NOT NULL,
      chunk_size integer NOT NULL,
      overlap integer NOT NULL,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'processing', 'ready', 'failed', 'cancelled')),
      error text,
      chunk_count integer NOT NULL DEFAULT 0,
      embedder text,
      job_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX documents_organization_created ON documents (organization_id, created_at DESC, id DESC);
    CREATE TABLE document_chunks (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      document_id uuid NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
      organization_id uuid NOT NULL,
      ordinal integer NOT NULL,
      content text NOT NULL,
      embedding real[] NOT NULL
    );
    CREATE UNIQUE INDEX document_chunks_position ON document_chunks (organization_id, document_id, ordinal);
    CREATE INDEX document_chunks_document ON document_chunks (document_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP TABLE document_chunks; DROP TABLE documents");
}
