// The pure path evaluator: security groups, network ACLs and routes between a client ENI and an HSM.
export * from './cidr.js';
export * from './endpoints.js';
export * from './evaluate.js';
export * from './facts.js';
export * from './group-fix.js';
export * from './nacl.js';
export * from './ranges.js';
export * from './remediation.js';
export * from './route.js';
export * from './sg.js';
export * from './types.js';
