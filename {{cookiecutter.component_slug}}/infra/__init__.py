"""The component's AWS CDK app: `make synth` synthesizes it and checks it with cdk-nag and cfn-lint."""
