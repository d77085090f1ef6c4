# kiln: one static binary, plus the example project as /project.
#
#   docker build -t kiln .
#   docker run --rm -e PGHOST=... -e PGUSER=... -e PGPASSWORD=... kiln
#
# Credentials are never baked in: profiles.yml reads them with env_var()
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, KILN_SCHEMA). To run your
# own project, build FROM this image and COPY it over /project.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/kiln ./cmd/kiln

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kiln /usr/local/bin/kiln
# Owned by nonroot (65532) so that kiln can write target/ (manifest, run results).
COPY --chown=65532:65532 models_example /project
WORKDIR /project
USER nonroot
ENTRYPOINT ["kiln"]
CMD ["run"]
