import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';

const TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8' };

/**
 * The public pages' stylesheet, served by the app itself (the CSP allows nothing from elsewhere).
 * Files are read once at start-up into a map by name, so a request can name nothing outside it.
 */
@Controller('public-assets')
export class PublicAssetsController {
  private readonly assets = new Map(
    readdirSync(join(__dirname, 'assets'))
      .filter((file) => TYPES[extname(file)])
      .map((file) => [file, { body: readFileSync(join(__dirname, 'assets', file)), type: TYPES[extname(file)] }]),
  );

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = this.assets.get(file);
    if (!asset) throw new NotFoundException();
    res.type(asset.type).send(asset.body);
  }
}
