/** grpc.health.v1: SERVING while the broker runs, NOT_SERVING once it shuts down. */
import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

export function addHealth(server: grpc.Server, serviceNames: readonly string[]): { notServing(): void } {
  const statusMap = Object.fromEntries(["", ...serviceNames].map((name) => [name, "SERVING" as const]));
  const health = new HealthImplementation(statusMap);
  health.addToServer(server);
  return {
    notServing() {
      for (const name of Object.keys(statusMap)) health.setStatus(name, "NOT_SERVING");
    },
  };
}
