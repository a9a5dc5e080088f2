// Package deploy holds Gongshi's deployment files (kubernetes/, and the
// repository's Dockerfile and docker-compose.yml) and the tests that keep
// them valid and consistent with the code: the variables internal/config
// reads, the probe paths the server routes, the user, port and volume of
// the image. It has no code of its own.
package deploy
