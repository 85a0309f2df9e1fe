# syntax=docker/dockerfile:1
# Two runtime targets from one build:
#   cpu  - the gateway, and workers on machines without a GPU (node-llama-cpp's prebuilt CPU binary)
#   gpu  - workers on NVIDIA GPUs: node-llama-cpp's prebuilt CUDA binary needs the CUDA 13 runtime
#          (libcudart.so.13, libcublas.so.13), which the nvidia/cuda runtime image provides, and so an NVIDIA
#          driver 580 or newer on the host. LLAMA_GPU=cuda: a worker that cannot use CUDA exits with the cause
#          instead of running on the CPU.
ARG NODE_IMAGE=node:22-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-runtime-ubuntu24.04

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Dev dependencies stay out; node-llama-cpp works from its prebuilt binaries without install scripts.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS node

FROM ${NODE_IMAGE} AS cpu
ENV NODE_ENV=production MODELS_DIR=/models LLAMA_GPU=off
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY commands ./commands
COPY workers ./workers
COPY assets ./assets
RUN mkdir -p /models && chown node:node /models
USER node
CMD ["node", "--import", "tsx", "src/gateway/main.ts"]

FROM ${CUDA_IMAGE} AS gpu
ENV NODE_ENV=production MODELS_DIR=/models LLAMA_GPU=cuda
COPY --from=node /usr/local/bin/node /usr/local/bin/node
RUN groupadd --system bot && useradd --system --gid bot --home /app bot && mkdir -p /models && chown bot:bot /models
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY commands ./commands
COPY workers ./workers
COPY assets ./assets
USER bot
CMD ["node", "--import", "tsx", "workers/main.ts"]
