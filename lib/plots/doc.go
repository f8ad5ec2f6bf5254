// Package plots is the drawing layer of tokenscale's figures: one shared style
// over gonum/plot, and nothing else. It imports gonum/plot and the standard
// library only, so a program that draws links neither GoMLX nor any model
// code.
//
// It holds
//
//   - the style (style.go): NewPlot for a styled panel, the palette (Blue,
//     LightBlue, Green, Red, Series colours, Shade), font sizes readable at
//     the rendered size, the light Grid;
//   - Figure: a grid of panels (or free Boxes) with an optional overall title
//     and a shared legend row, rendered to PNG or SVG (Render, WriteTo,
//     WriteFile; files are written atomically);
//   - ticks and axes: NiceTicks (1-2-5 steps), Log2Ticks and SetNAxis for the
//     paper's log₂ N axes, SetLogX/SetLogY (decade ticks), Log125Ticks and
//     SetLogX125/SetLogY125 for log axes labelled at 1-2-5 steps;
//   - small parts shared by several figures (parts.go): lines, markers,
//     legend thumbnails, horizontal bars, a legend-only panel, image panels;
//   - Options, the user's choices for any figure (Metrics, Configs, LogX,
//     LogY, Param, Size, Title) and Select, which checks chosen names.
//
// Which figures exist, what data each draws and where that data comes from
// is package figures' business.
package plots
