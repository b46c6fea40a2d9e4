/** A TCP port free on 127.0.0.1 right now (libs/testing's, shared with the other tests that start servers). */
export { freePort } from '@comeback/testing';
