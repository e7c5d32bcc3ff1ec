/**
 * Server reflection (v1 and v1alpha) from the exact FileDescriptorProtos embedded
 * in the generated code, so grpcurl, ghz and buf curl see the real contract.
 * @grpc/reflection reads only `fileDescriptorProtos` off each entry.
 */
import type * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import { toBinary, type DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_ferry_v1_admin } from "../gen/ferry/v1/admin_pb.js";
import { file_ferry_v1_broker } from "../gen/ferry/v1/broker_pb.js";
import { file_grpc_health_v1_health } from "../gen/grpc/health/v1/health_pb.js";

/** The files and everything they import, dependencies first. */
function withDependencies(files: readonly DescFile[]): DescFile[] {
  const out: DescFile[] = [];
  const seen = new Set<string>();
  const visit = (file: DescFile): void => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    out.push(file);
  };
  files.forEach(visit);
  return out;
}

export function addReflection(server: grpc.Server, serviceNames: readonly string[]): void {
  const descriptors = withDependencies([file_ferry_v1_broker, file_ferry_v1_admin, file_grpc_health_v1_health]).map((file) =>
    Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)),
  );
  const packageDefinition = Object.fromEntries(serviceNames.map((name) => [name, { fileDescriptorProtos: descriptors }]));
  new ReflectionService(packageDefinition as never).addToServer(server);
}
