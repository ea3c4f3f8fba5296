package icons

import (
	"image"
	"image/color"
	"math"

	"github.com/walkme/session-agent/ui/menu"
)

// Every icon is a disc (or a ring) with a glyph, described in a unit square
// (0..1, y down) and rasterised with 8x8 supersampling, so each size is drawn
// for its own grid instead of scaled from a bigger bitmap.
const samples = 8

// paint returns the colour of point (x, y) of an icon; alpha 0 is outside.
type paint func(x, y float64) color.NRGBA

var (
	transparent = color.NRGBA{}
	white       = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	black       = color.NRGBA{0, 0, 0, 0xff}
	green       = color.NRGBA{0x1e, 0x8e, 0x3e, 0xff}
	amber       = color.NRGBA{0xe3, 0x8b, 0x00, 0xff}
	grey        = color.NRGBA{0x75, 0x75, 0x75, 0xff}
	indigo      = color.NRGBA{0x4a, 0x4f, 0xc4, 0xff}
	red         = color.NRGBA{0xd3, 0x2f, 0x2f, 0xff}
)

// Render draws icon id at size x size pixels. A template image (macOS menu
// bar) is black plus alpha: the glyph is cut out of the disc and macOS tints
// it for light and dark menu bars.
func Render(id menu.Icon, size int, template bool) *image.NRGBA {
	p := painter(id, template)
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			img.SetNRGBA(px, py, pixel(p, px, py, size))
		}
	}
	return img
}

// pixel averages the premultiplied colour of samples x samples points.
func pixel(p paint, px, py, size int) color.NRGBA {
	var r, g, b, a float64
	for sy := 0; sy < samples; sy++ {
		for sx := 0; sx < samples; sx++ {
			x := (float64(px) + (float64(sx)+0.5)/samples) / float64(size)
			y := (float64(py) + (float64(sy)+0.5)/samples) / float64(size)
			c := p(x, y)
			fa := float64(c.A) / 255
			r, g, b, a = r+float64(c.R)*fa, g+float64(c.G)*fa, b+float64(c.B)*fa, a+fa
		}
	}
	if a == 0 {
		return transparent
	}
	return color.NRGBA{uint8(math.Round(r / a)), uint8(math.Round(g / a)), uint8(math.Round(b / a)),
		uint8(math.Round(a / samples / samples * 255))}
}

func painter(id menu.Icon, template bool) paint {
	fill, ink := colours(id, template)
	if id == menu.IconSignedOut {
		return func(x, y float64) color.NRGBA {
			if d := dist(x, y, 0.5, 0.5); d > 0.33 && d < 0.46 {
				return fill
			}
			return transparent
		}
	}
	g := glyph(id)
	return func(x, y float64) color.NRGBA {
		switch {
		case dist(x, y, 0.5, 0.5) > 0.47:
			return transparent
		case g(x, y):
			return ink
		}
		return fill
	}
}

func colours(id menu.Icon, template bool) (fill, ink color.NRGBA) {
	if template {
		fill = black
		if id == menu.IconOffline || id == menu.IconAsleep {
			fill.A = 0x99 // dimmed: not renewing
		}
		return fill, transparent
	}
	switch id {
	case menu.IconActive:
		return green, white
	case menu.IconIdle:
		return amber, white
	case menu.IconAsleep:
		return indigo, white
	case menu.IconError:
		return red, white
	}
	return grey, white
}

// glyph reports whether a point belongs to the icon's symbol.
func glyph(id menu.Icon) func(x, y float64) bool {
	switch id {
	case menu.IconActive: // a check mark
		return func(x, y float64) bool {
			return segment(x, y, 0.28, 0.52, 0.44, 0.68, 0.065) || segment(x, y, 0.44, 0.68, 0.73, 0.36, 0.065)
		}
	case menu.IconIdle: // clock hands
		return func(x, y float64) bool {
			return segment(x, y, 0.5, 0.5, 0.5, 0.24, 0.06) || segment(x, y, 0.5, 0.5, 0.69, 0.6, 0.06)
		}
	case menu.IconOffline: // a slash: the link is cut
		return func(x, y float64) bool { return segment(x, y, 0.3, 0.7, 0.7, 0.3, 0.065) }
	case menu.IconAsleep: // a crescent moon
		return func(x, y float64) bool { return dist(x, y, 0.48, 0.52) < 0.27 && dist(x, y, 0.6, 0.42) > 0.22 }
	case menu.IconError: // an exclamation mark
		return func(x, y float64) bool {
			return segment(x, y, 0.5, 0.25, 0.5, 0.55, 0.07) || dist(x, y, 0.5, 0.73) < 0.075
		}
	}
	return func(x, y float64) bool { return false }
}

func dist(x, y, cx, cy float64) float64 { return math.Hypot(x-cx, y-cy) }

// segment reports whether (x, y) lies within r of the segment a-b (a stroke
// with round caps).
func segment(x, y, ax, ay, bx, by, r float64) bool {
	dx, dy := bx-ax, by-ay
	t := ((x-ax)*dx + (y-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return dist(x, y, ax+t*dx, ay+t*dy) < r
}
