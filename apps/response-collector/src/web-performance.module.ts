import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express } from 'express';

/**
 * Express settings of the response collector's web process. No ETag: its answers are POSTs
 * (webhooks, forms) and pages marked `no-store`, so hashing every body to make one (Express's
 * default) was work for nothing (the stylesheet is cached for an hour by Cache-Control). No
 * X-Powered-By either: nothing to tell the outside.
 */
@Module({})
export class WebPerformanceModule implements OnModuleInit {
  constructor(private readonly adapter: HttpAdapterHost) {}

  onModuleInit(): void {
    const express = this.adapter.httpAdapter.getInstance<Express>();
    express.disable('etag');
    express.disable('x-powered-by');
  }
}
