/* nbody: a softened gravitational N-body system (a heavy centre and a disk of
 * light bodies on near-circular orbits), advanced with a kick-drift-kick
 * leapfrog for SIZE steps. Double-precision multiply, add, divide and sqrt in
 * an O(N^2) pair loop. Only IEEE-exact operations are used (no libm calls), so
 * every build computes the same bits. */
#include "kernel.h"

#include <math.h>

enum { BODIES = 40 };

typedef struct body {
    double x, y, z, vx, vy, vz, mass;
} body;

static const double softening2 = 1e-4;

static void init(body *b)
{
    uint64_t seed = 1977;
    b[0] = (body){0, 0, 0, 0, 0, 0, 1000.0};
    for (int i = 1; i < BODIES; i++) {
        /* a point in a thick ring of radius 1..5, moving at roughly circular speed */
        double r = 1.0 + 4.0 * rng_unit(&seed);
        double u = 2.0 * rng_unit(&seed) - 1.0, v = 2.0 * rng_unit(&seed) - 1.0;
        double len = sqrt(u * u + v * v) + 1e-9;
        double cx = u / len, cy = v / len;
        double speed = sqrt(b[0].mass / r);
        b[i].x = r * cx;
        b[i].y = r * cy;
        b[i].z = 0.1 * (rng_unit(&seed) - 0.5);
        b[i].vx = -speed * cy;
        b[i].vy = speed * cx;
        b[i].vz = 0.0;
        b[i].mass = 0.01 + 0.1 * rng_unit(&seed);
    }
    /* move to the centre-of-momentum frame so the system does not drift */
    double px = 0, py = 0, pz = 0, m = 0;
    for (int i = 0; i < BODIES; i++) {
        px += b[i].vx * b[i].mass, py += b[i].vy * b[i].mass, pz += b[i].vz * b[i].mass;
        m += b[i].mass;
    }
    for (int i = 0; i < BODIES; i++)
        b[i].vx -= px / m, b[i].vy -= py / m, b[i].vz -= pz / m;
}

static double energy(const body *b)
{
    double e = 0;
    for (int i = 0; i < BODIES; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz + softening2);
        }
    }
    return e;
}

/* v += a * dt/2 for every body, from the pairwise forces. */
static void kick(body *b, double half_dt)
{
    for (int i = 0; i < BODIES; i++) {
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz + softening2;
            double scale = half_dt / (d2 * sqrt(d2));
            double si = b[j].mass * scale, sj = b[i].mass * scale;
            b[i].vx -= dx * si, b[i].vy -= dy * si, b[i].vz -= dz * si;
            b[j].vx += dx * sj, b[j].vy += dy * sj, b[j].vz += dz * sj;
        }
    }
}

static void drift(body *b, double dt)
{
    for (int i = 0; i < BODIES; i++)
        b[i].x += dt * b[i].vx, b[i].y += dt * b[i].vy, b[i].z += dt * b[i].vz;
}

int main(int argc, char **argv)
{
    uint64_t steps = kernel_size(argc, argv, "nbody", 1000, 100000000);
    static body b[BODIES];
    const double dt = 1e-4;
    init(b);
    double e0 = energy(b);
    kick(b, dt / 2);
    for (uint64_t s = 0; s < steps; s++) {
        drift(b, dt);
        kick(b, s + 1 < steps ? dt : dt / 2);
    }
    double e1 = energy(b);
    /* A symplectic integrator with this step conserves energy closely; a
     * broken build (or engine) would not. */
    if (!(fabs((e1 - e0) / e0) < 1e-3))
        kernel_fail("nbody", "energy is not conserved");
    uint64_t sum = mix(double_bits(e0), double_bits(e1));
    for (int i = 0; i < BODIES; i++) {
        sum = mix(sum, double_bits(b[i].x));
        sum = mix(sum, double_bits(b[i].y));
        sum = mix(sum, double_bits(b[i].vz));
    }
    kernel_report("nbody", steps, sum);
    return 0;
}
