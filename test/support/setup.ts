// Every test file: aws-sdk-client-mock's vitest matchers (toHaveReceivedCommandWith, …), with their types.
import 'aws-sdk-client-mock-vitest/extend';
