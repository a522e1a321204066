// Every test process starts pointed at loopback: no IMDS at 169.254.169.254, no real AWS endpoint,
// no real credentials. Tests that need a simulated service set its URL themselves.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = 'http://127.0.0.1:9';
process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTONLY00000000';
process.env.AWS_SECRET_ACCESS_KEY = 'test-secret-never-printed-000000000000000';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.HTTPS_PROXY;
delete process.env.https_proxy;
delete process.env.HTTP_PROXY;
delete process.env.http_proxy;
process.env.AWS_CONFIG_FILE = '/nonexistent/hsmwatch-test-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/hsmwatch-test-credentials';
