import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // The servers/ folder holds standalone Node processes; Next only builds app/.
  typedRoutes: false,
  poweredByHeader: false,
  devIndicators: false,
};

export default nextConfig;
