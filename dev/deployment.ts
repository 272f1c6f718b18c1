// Reading the synthesized CloudFormation as AWS would deploy it: resolve
// Ref / Fn::GetAtt / Fn::Join / Fn::ImportValue, and parameters read from
// SSM, to the physical names and ARNs a deployment would produce, and find
// each function's bundle, environment, IAM policies and route.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AppProps } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';

type Resource = { Type: string; Properties?: Record<string, unknown> };
export type Template = {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
};
export type StackTemplate = { stackName: string; template: Template };

/**
 * Synthesizes the CDK app (real esbuild bundling) into `outdir` and reads
 * every stack's template. `outdir` should sit inside the repository, so a
 * bundle resolves the AWS SDK (left to the Lambda runtime) from node_modules.
 */
export function synthesize(outdir: string, context: AppProps['context'] = {}): Deployment {
  // In this deployment's region, so ARNs the stack writes out match the ones resolved here.
  buildApp({ outdir, context: { region: REGION, ...context } }).app.synth();
  const stacks = readdirSync(outdir)
    .filter((file) => file.endsWith('.template.json'))
    .map((file) => ({
      stackName: file.replace(/\.template\.json$/, ''),
      template: JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Template,
    }));
  return new Deployment(stacks, outdir);
}

export type Bundle = { name: string; file: string; bytes: number };

/** Each function's bundle as CDK would upload it, named by its construct id. */
export function bundlesOf(deployment: Deployment): Bundle[] {
  return deployment.functions().map((fn) => ({
    name: fn.logicalId.replace(/[0-9A-F]{8}$/, ''),
    file: fn.bundle,
    bytes: statSync(fn.bundle).size,
  }));
}

/** A deployed function: its bundle, the environment the template gives it, and the policies of its role. */
export type DeployedFunction = {
  logicalId: string;
  stackName: string;
  bundle: string;
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  roleArn: string;
  policies: { name: string; document: unknown }[];
  managedPolicyArns: string[];
};

export type DeployedRoute = { routeKey: string; functionLogicalId: string; authorizationType: string };

/** Physical names and ARNs, as CloudFormation would report them. */
export class Deployment {
  constructor(
    readonly stacks: StackTemplate[],
    readonly outdir: string,
  ) {}

  resolve(value: unknown, stack: StackTemplate): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stack));
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [[fn, arg]] = entries as [[string, unknown]];
      if (fn === 'Ref') return this.ref(arg as string, stack);
      if (fn === 'Fn::GetAtt') return this.getAtt(arg as [string, string], stack);
      if (fn === 'Fn::Join') {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((p) => this.resolve(p, stack)).join(separator);
      }
      if (fn === 'Fn::ImportValue') return this.importValue(this.resolve(arg, stack) as string);
      if (fn === 'Fn::Select') {
        const [index, list] = arg as [number, unknown];
        return (this.resolve(list, stack) as unknown[])[index];
      }
      if (fn === 'Fn::Split') {
        const [separator, text] = arg as [string, unknown];
        return (this.resolve(text, stack) as string).split(separator);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v, stack)]));
  }

  /** The physical name a table, role or function would get (stack-unique, as CloudFormation's). */
  physicalName(logicalId: string, stack: StackTemplate): string {
    return `${stack.stackName}-${logicalId}`;
  }

  private ref(name: string, stack: StackTemplate): string {
    if (name === 'AWS::Region') return REGION;
    if (name === 'AWS::AccountId') return ACCOUNT;
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::URLSuffix') return 'amazonaws.com';
    if (name === 'AWS::StackName') return stack.stackName;
    const parameter = stack.template.Parameters?.[name];
    if (parameter?.Type.startsWith('AWS::SSM::Parameter::Value')) return this.ssmParameter(parameter.Default);
    const resource = stack.template.Resources[name];
    if (resource === undefined) throw new Error(`Ref to unknown resource ${name} in ${stack.stackName}`);
    // A secret's and a topic's Ref is their ARN; most other resources' is their physical name.
    if (resource.Type === 'AWS::SecretsManager::Secret' || resource.Type === 'AWS::SNS::Topic') {
      return this.arn(name, resource, stack);
    }
    return this.physicalName(name, stack);
  }

  /** A parameter of type AWS::SSM::Parameter::Value<…>: the value some stack's AWS::SSM::Parameter of that name holds. */
  private ssmParameter(name: unknown): string {
    for (const { resource, stack } of this.resources('AWS::SSM::Parameter')) {
      const props = resource.Properties as { Name: unknown; Value: unknown };
      if (this.resolve(props.Name, stack) === name) return this.resolve(props.Value, stack) as string;
    }
    throw new Error(`no stack writes the SSM parameter ${String(name)}`);
  }

  private getAtt([name, attribute]: [string, string], stack: StackTemplate): string {
    const resource = stack.template.Resources[name];
    if (resource === undefined) throw new Error(`GetAtt of unknown resource ${name} in ${stack.stackName}`);
    if (attribute === 'Arn') return this.arn(name, resource, stack);
    throw new Error(`GetAtt ${name}.${attribute} is not modelled`);
  }

  arn(logicalId: string, resource: Resource, stack: StackTemplate): string {
    const name = this.physicalName(logicalId, stack);
    switch (resource.Type) {
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${name}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${name}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`;
      case 'AWS::Logs::LogGroup':
        // As CloudFormation's Arn attribute: with the trailing ":*" that covers its streams.
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`;
      case 'AWS::Cognito::UserPool':
        return `arn:aws:cognito-idp:${REGION}:${ACCOUNT}:userpool/${name}`;
      default:
        return `arn:aws:cloudformation:${REGION}:${ACCOUNT}:${resource.Type}/${name}`;
    }
  }

  private importValue(exportName: string): unknown {
    for (const stack of this.stacks) {
      for (const output of Object.values(stack.template.Outputs ?? {})) {
        if (output.Export && this.resolve(output.Export.Name, stack) === exportName) {
          return this.resolve(output.Value, stack);
        }
      }
    }
    throw new Error(`no stack exports ${exportName}`);
  }

  resources(type: string): { logicalId: string; resource: Resource; stack: StackTemplate }[] {
    return this.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([, r]) => r.Type === type)
        .map(([logicalId, resource]) => ({ logicalId, resource, stack })),
    );
  }

  functions(): DeployedFunction[] {
    return this.resources('AWS::Lambda::Function').map(({ logicalId, resource, stack }) => {
      const props = resource.Properties as {
        Code: { S3Key: string };
        Handler: string;
        Timeout?: number;
        MemorySize?: number;
        Environment?: { Variables?: Record<string, unknown> };
        Role: unknown;
      };
      const roleLogicalId = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const role = stack.template.Resources[roleLogicalId]!.Properties as { ManagedPolicyArns?: unknown[] };
      const policies = Object.entries(stack.template.Resources)
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy')
        .filter(([, r]) =>
          ((r.Properties as { Roles: { Ref: string }[] }).Roles ?? []).some((ref) => ref.Ref === roleLogicalId),
        )
        .map(([name, r]) => ({
          name,
          document: this.resolve((r.Properties as { PolicyDocument: unknown }).PolicyDocument, stack),
        }));
      return {
        logicalId,
        stackName: stack.stackName,
        bundle: join(this.outdir, `asset.${props.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs'),
        handler: props.Handler,
        timeoutSeconds: props.Timeout ?? 3,
        memoryMb: props.MemorySize ?? 128,
        environment: this.resolve(props.Environment?.Variables ?? {}, stack) as Record<string, string>,
        roleArn: this.arn(roleLogicalId, stack.template.Resources[roleLogicalId]!, stack),
        policies,
        managedPolicyArns: (this.resolve(role.ManagedPolicyArns ?? [], stack) as string[]).map(String),
      };
    });
  }

  /** API Gateway routes and the function each one invokes. */
  routes(): DeployedRoute[] {
    return this.resources('AWS::ApiGatewayV2::Route').map(({ resource, stack }) => {
      const props = resource.Properties as { RouteKey: string; Target: unknown; AuthorizationType?: string };
      const target = this.resolve(props.Target, stack) as string; // integrations/<physical name>
      const integrationId = target.split('/').pop()!.replace(`${stack.stackName}-`, '');
      const integration = stack.template.Resources[integrationId]!.Properties as { IntegrationUri: unknown };
      const uri = integration.IntegrationUri as { 'Fn::GetAtt': [string, string] };
      return {
        routeKey: props.RouteKey,
        functionLogicalId: uri['Fn::GetAtt'][0],
        authorizationType: props.AuthorizationType ?? 'NONE',
      };
    });
  }
}
