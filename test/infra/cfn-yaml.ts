// The CloudFormation YAML schema lives with the sandbox's CloudFormation, which parses
// the launcher's template with it; the infra tests read templates the same way.
export { parseCloudFormationYaml } from '../../sandbox/backend/cloudformation/cfn-yaml';
