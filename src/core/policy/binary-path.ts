import picomatch from 'picomatch';

/** Paths whose content is binary by their extension: GitHub shows no patch for them. */
export const BINARY_PATH = picomatch(
  [
    '**/*.{png,jpg,jpeg,gif,webp,ico,bmp,tiff,pdf,zip,gz,tgz,bz2,xz,7z,jar,war,woff,woff2,ttf,otf,eot,mp3,mp4,mov,avi,wasm,so,dll,dylib,exe,bin,class,pyc}',
  ],
  { dot: true, nocase: true },
);
