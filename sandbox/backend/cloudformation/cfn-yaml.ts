/**
 * Parses CloudFormation YAML: the short-form tags (!Ref, !Sub, !GetAtt …)
 * become the long form ({ Ref: … }, { 'Fn::Sub': … }), as CloudFormation
 * reads them. The sandbox's CloudFormation reads the launcher's TemplateBody
 * with it; the infra tests read templates (serverless.yml too) through
 * test/infra/cfn-yaml.ts, which re-exports it.
 */
import { parse, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';

/** Short tag → long-form key. */
const FUNCTIONS: Record<string, string> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Base64: 'Fn::Base64',
  FindInMap: 'Fn::FindInMap',
  GetAZs: 'Fn::GetAZs',
  ImportValue: 'Fn::ImportValue',
  Cidr: 'Fn::Cidr',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
  Transform: 'Fn::Transform',
};

function scalarValue(name: string, key: string, value: string): unknown {
  if (name === 'GetAtt') {
    const dot = value.indexOf('.');
    if (dot < 1) {
      return { [key]: value };
    }
    return { [key]: [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value };
}

function buildTags(): Tags {
  const tags: Tags = [];
  for (const [name, key] of Object.entries(FUNCTIONS)) {
    tags.push({
      tag: `!${name}`,
      resolve: (value: string) => scalarValue(name, key, value),
    });
    tags.push({
      tag: `!${name}`,
      collection: 'seq',
      resolve: (seq) => ({ [key]: (seq as YAMLSeq).toJSON() }),
    });
    tags.push({
      tag: `!${name}`,
      collection: 'map',
      resolve: (map) => ({ [key]: (map as YAMLMap).toJSON() }),
    });
  }
  return tags;
}

const cloudFormationTags = buildTags();

/** Parses a CloudFormation YAML template into plain objects in long form. */
export function parseCloudFormationYaml(text: string): unknown {
  return parse(text, { customTags: cloudFormationTags, maxAliasCount: -1, uniqueKeys: true });
}
