// Who may call the API: a Cognito user pool whose ID tokens carry
// custom:accountId (immutable, never writable by the app), and the mobile
// app's client — or an existing OIDC issuer instead. The stateless stack
// builds API Gateway's JWT authorizer from `issuer` and `audience`.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export type AuthProps = {
  stage: string;
  retain: boolean;
  threatProtection: boolean;
  /** An existing OIDC issuer and audience instead of the stack's Cognito user pool. */
  external?: { issuer: string; audience: string[] };
};

export class Auth extends Construct {
  readonly issuer: string;
  readonly audience: string[];

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    if (props.external) {
      this.issuer = props.external.issuer;
      this.audience = props.external.audience;
      return;
    }
    const userPool = new UserPool(this, 'Users', {
      userPoolName: `mobile-sales-sync-${props.stage}`,
      selfSignUpEnabled: false, // reps are invited by their company's admin
      signInAliases: { email: true },
      customAttributes: { accountId: new StringAttribute({ minLen: 1, maxLen: 128, mutable: false }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      ...(props.threatProtection
        ? { featurePlan: FeaturePlan.PLUS, standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION }
        : {}),
      // Retained and deletion-protected in prod: deleting the pool deletes every rep's sign-in.
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      deletionProtection: props.retain,
    });
    const mobile = userPool.addClient('MobileApp', {
      // SRP for the app; admin password auth lets an operator (with IAM credentials) fetch a token for support and smoke tests.
      authFlows: { userSrp: true, adminUserPassword: true },
      // The app signs in with SRP, not the hosted UI: no OAuth flows, callback URLs or scopes at all.
      disableOAuth: true,
      generateSecret: false,
      preventUserExistenceErrors: true,
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // The app may read who the rep is and their account; it may write nothing (the account is the admin's to set).
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('accountId'),
      writeAttributes: new ClientAttributes(),
    });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'MobileAppClientId', { value: mobile.userPoolClientId });
    Validations.of(userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is offered (TOTP) but optional: reps sign in on shared demo iPads at trade shows; a company can require it by policy.',
    });
    if (!props.threatProtection) {
      const reason = 'Threat protection needs the paid Cognito Plus plan; prod has it, dev has no real users.';
      Validations.of(userPool).acknowledge({ id: 'AwsSolutions-COG3', reason }, { id: 'AwsSolutions-COG8', reason });
    }
    // The ID token carries custom:accountId; its aud is the app client.
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.amazonaws.com/${userPool.userPoolId}`;
    this.audience = [mobile.userPoolClientId];
  }
}
