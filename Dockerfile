# dago in a container: the Maven wrapper builds the shaded jar on a JDK, a JRE runs it as a non-root user.
#
#   docker build -t dago .
#   docker run --rm -p 8080:8080 -p 8081:8081 -p 9090:9090 dago
#
# See docs/DEPLOYMENT.md for Redis mode and deployments/docker-compose.yml for two instances on one Redis.

# The jar is the same on every platform, so it is built on the builder's own platform even when the image is
# for another one (docker buildx --platform linux/arm64): protoc then runs natively instead of under emulation.
# protoc comes from Maven Central for the build machine (os-maven-plugin), which exists for linux-x86_64 and
# linux-aarch_64.
FROM --platform=$BUILDPLATFORM eclipse-temurin:21-jdk AS build
WORKDIR /src
# Maven itself and the dependencies first, in a layer of their own that is rebuilt only when the POM or the
# wrapper changes, not on every source edit. (protoc and its gRPC plugin are resolved when the protobuf plugin
# runs, so the package step below still fetches those two.)
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline
COPY src src
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:21-jre
# No package to install for the health check: the Temurin images ship curl (and wget) on purpose.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin dago
COPY --from=build /src/target/dago.jar /app/dago.jar
USER 10001
# HTTP, WebSocket, gRPC.
EXPOSE 8080 8081 9090
# /health answers 503 when a component (Redis, the worker pool) is down, and curl -f turns that into a failure.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${DAGO_HTTP_PORT:-8080}/health" || exit 1
# SIGTERM (docker stop) starts a graceful shutdown of up to 30 s; give docker stop a longer timeout (-t 40).
ENTRYPOINT ["java", "-jar", "/app/dago.jar"]
