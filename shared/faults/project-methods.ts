import type { ServiceDefinition } from '@grpc/grpc-js';
import { AuthServiceService } from '../../gen/auth/v1/auth';
import { UserServiceService } from '../../gen/user/v1/user';

const pathsOf = (definition: ServiceDefinition) => Object.values(definition).map((m) => m.path.replace(/^\//, ''));

/**
 * Every gRPC method of the project's contracts (`user.v1.UserService/GetUser`, ...). A FAULTS rule
 * may name any of them in any service, so one setting can be handed to every process (`FAULTS=...
 * npm start`); each service applies the rules for the methods it serves.
 */
export const PROJECT_GRPC_METHODS: readonly string[] = [...pathsOf(UserServiceService), ...pathsOf(AuthServiceService)];
