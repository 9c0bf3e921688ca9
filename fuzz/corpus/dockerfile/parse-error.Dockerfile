FROM debian:12
RUN apt-get update
FRUM debian:12
