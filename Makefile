# train-spam: build, images, Kubeflow pipeline.
#   make build-images IMAGE_TAG=0.1.0 [REGISTRY=ghcr.io/acme]   build (and push) the three images
#   make compile-pipeline IMAGE_TAG=0.1.0 [REGISTRY=...]         write spam_detection_pipeline.yaml
#   make run-pipeline KFP_HOST=http://localhost:8888 IMAGE_TAG=0.1.0 [REGISTRY=...] [PARAMS="num_hpo_trials=40 hpo_shards=4"]
#   make hpo-manifest SHARDS=4                                   Indexed Job for HPO without Kubeflow
#   make test | bench | clean
IMAGE_TAG ?= dev
REGISTRY ?=
DOCKER ?= docker
PLATFORM ?=
PIPELINE_YAML ?= spam_detection_pipeline.yaml
KFP_HOST ?=
PARAMS ?=
MLFLOW_TRACKING_URI ?=
SHARDS ?= 2
IMAGES := data-prep hpo-train mlflow-ops
IMAGE_PREFIX := $(if $(REGISTRY),$(patsubst %/,%,$(REGISTRY))/,)train-spam-
CLI := node dist/cli/main.js

.PHONY: help build build-images push-images compile-pipeline validate-pipeline run-pipeline hpo-manifest test bench lint clean

help:
	@sed -n '2,6p' Makefile | sed 's/^# *//'

node_modules: package-lock.json
	npm ci
	@touch node_modules

build: node_modules
	npm run build

build-images:
	@for img in $(IMAGES); do \
	  echo "building $(IMAGE_PREFIX)$$img:$(IMAGE_TAG)"; \
	  $(DOCKER) build -f docker/Dockerfile --target $$img $(if $(PLATFORM),--platform $(PLATFORM)) \
	    -t $(IMAGE_PREFIX)$$img:$(IMAGE_TAG) . || exit 1; \
	done
ifneq ($(strip $(REGISTRY)),)
	$(MAKE) push-images IMAGE_TAG=$(IMAGE_TAG) REGISTRY=$(REGISTRY)
endif

push-images:
	@test -n "$(REGISTRY)" || { echo "push-images: set REGISTRY=<registry/namespace>" >&2; exit 2; }
	@for img in $(IMAGES); do $(DOCKER) push $(IMAGE_PREFIX)$$img:$(IMAGE_TAG) || exit 1; done

compile-pipeline: build
	$(CLI) compile-pipeline --output $(PIPELINE_YAML) --image-tag $(IMAGE_TAG) --registry '$(REGISTRY)' \
	  $(if $(MLFLOW_TRACKING_URI),--mlflow-tracking-uri '$(MLFLOW_TRACKING_URI)')

validate-pipeline: compile-pipeline
	$(CLI) kfp validate $(PIPELINE_YAML)

run-pipeline: compile-pipeline
	@test -n "$(KFP_HOST)" || { echo "run-pipeline: KFP_HOST is not set (e.g. KFP_HOST=http://localhost:8888 after kubectl port-forward -n kubeflow svc/ml-pipeline 8888:8888)" >&2; exit 2; }
	$(CLI) kfp run --host '$(KFP_HOST)' --pipeline-file $(PIPELINE_YAML) $(foreach p,$(PARAMS),--param '$(p)')

hpo-manifest: build
	$(CLI) hpo k8s-manifest --shards $(SHARDS) --image-tag $(IMAGE_TAG) --registry '$(REGISTRY)' --output hpo-job.yaml

test: node_modules
	npm test

bench: build
	npm run bench

lint:
	npm run lint

clean:
	rm -rf dist coverage $(PIPELINE_YAML) hpo-job.yaml hpo-job-merge.yaml native/build
